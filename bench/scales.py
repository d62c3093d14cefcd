"""The sizes a benchmark run generates."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    provinces: int
    cities_per_province: int
    counties_per_city: int
    departments_per_jurisdiction: int
    matters_per_jurisdiction: int
    duties_per_department: int = 2
    report_jurisdictions: int = 1  # jurisdictions that open a reporting cycle
    published_reports: int = 6  # reports taken through submit → accept → publish (PDF compiled)

    @property
    def jurisdictions(self) -> int:
        return self.provinces * (1 + self.cities_per_province * (1 + self.counties_per_city))

    @property
    def departments(self) -> int:
        return self.jurisdictions * self.departments_per_jurisdiction

    @property
    def matters(self) -> int:
        return self.jurisdictions * self.matters_per_jurisdiction


SCALES = {
    # For the smoke test: 1 province, 2 cities, no counties, 50 matters.
    "tiny": Scale("tiny", 1, 2, 0, 12, 17, duties_per_department=1, report_jurisdictions=1, published_reports=0),
    # 1 + 12 cities + 12×9 counties = 121 jurisdictions, 4,840 departments, 100,430 matters.
    "province": Scale("province", 1, 12, 9, 40, 830),
    # 11 such provinces: 1,331 jurisdictions, 53,240 departments, 1,104,730 matters (PostgreSQL).
    "national": Scale("national", 11, 12, 9, 40, 830, duties_per_department=1),
}
