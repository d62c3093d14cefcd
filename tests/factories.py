"""Small builders for test data, going through the real services."""

from registry.auth.services import create_user
from registry.jurisdictions.services import create_jurisdiction
from registry.lists import services


def jurisdiction(code, level="province", parent=None, name=None):
    return create_jurisdiction(
        code=code,
        name=name or f"测试区划{code}",
        level=level,
        parent_code=parent.code if parent else None,
        actor="测试",
    )


def department(jurisdiction, name, sector="生态环境", short_name=None):
    return services.create_department(
        jurisdiction, name=name, short_name=short_name or name, sector=sector, actor="测试"
    )


def user(username, role, jurisdiction, department=None, password="password-123"):
    return create_user(
        username=username,
        password=password,
        role=role,
        jurisdiction_code=jurisdiction.code,
        department_name=department.name if department else None,
        actor="测试",
    )
