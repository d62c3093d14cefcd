"""The list fixtures the import tests share with the version tests (a province from the reference file)."""

from tests.versions.conftest import city, office, province, ref  # noqa: F401  (fixtures)
