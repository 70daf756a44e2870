"""The demo's part of the tree: Hà Tĩnh worked through, with users for every role.

Hà Tĩnh is the demo province because the 2025 reform left it whole: its units, plans and people
span both eras. Hamlets, households and citizens are synthetic (the official data stops at the
commune), generated deterministically so that a second run finds them in place.
"""

from __future__ import annotations

import random

from django.db import transaction

from core.models import User

from .models import Citizen, Household, Kind, Level, Unit
from .roles import Role
from .selectors import today, units_valid_on
from .services import membership_grant, unit_paths_repair

DEMO_PASSWORD = "hoctap-2026"  # noqa: S105 - printed on purpose: a local demo's shared password

PROVINCE_CODE = "42"  # Hà Tĩnh
COMMUNES = {"18073": "thanhsen", "18673": "camxuyen"}  # Phường Thành Sen, Xã Cẩm Xuyên

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quốc", "Thu", "Xuân"]
GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Lan", "Long",
         "Mai", "Nam", "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vân", "Yến"]


def _current(level: str, code: str) -> Unit:
    return units_valid_on(Unit.objects.filter(level=level, code=code), today()).get()


def _child(parent: Unit, name: str, kind: str, level: str = Level.ORGANISATION, **extra) -> Unit:
    unit = Unit.objects.filter(parent=parent, name=name).first()
    if unit is None:
        unit = Unit(parent=parent, name=name, kind=kind, level=level,
                    valid_from=parent.valid_from, **extra)
        unit.save()
        Unit.objects.filter(pk=unit.pk).update(path=f"{parent.path}{unit.pk:08d}/", depth=parent.depth + 1)
        unit.refresh_from_db()
    return unit


def _user(username: str, full_name: str, job_title: str, memberships: list[tuple[Unit, str]],
          credentials: list, superuser: bool = False) -> User:
    user, created = User.objects.get_or_create(
        username=username,
        defaults={"full_name": full_name, "job_title": job_title, "email": f"{username}@demo.xhht.local",
                  "phone": f"0239{random.Random(username).randint(100000, 999999)}",  # noqa: S311
                  "is_staff": superuser, "is_superuser": superuser},
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    if memberships:
        granter = User.objects.get(username="admin")  # the demo's system administrator, created first
        for unit, role in memberships:
            membership_grant(user=user, unit=unit, role=role, by=granter)
    # An administrator's line says where the role page is: granting and revoking roles in its subtree.
    roles = ", ".join(
        f"{Role(role).label} — {unit.name}" + (f" (phân quyền: /units/{unit.pk}/roles/)" if role == Role.ADMIN else "")
        for unit, role in memberships
    ) or "Quản trị hệ thống"
    credentials.append((username, DEMO_PASSWORD, roles))
    return user


def _households(hamlet: Unit, count: int) -> None:
    if Household.objects.filter(unit=hamlet).exists():
        return
    rng = random.Random(hamlet.name + hamlet.parent.code)  # noqa: S311 - demo data, not security
    households, members = [], []
    for i in range(1, count + 1):
        head = f"{rng.choice(SURNAMES)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        households.append(Household(unit=hamlet, code=f"{hamlet.parent.code}-{hamlet.pk}-{i:03d}",
                                    head_name=head, address=f"Số {i}, {hamlet.name}"))
    Household.objects.bulk_create(households)
    for hh in households:
        surname = hh.head_name.split(" ")[0]
        for j in range(rng.randint(2, 5)):
            name = hh.head_name if j == 0 else f"{surname} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            members.append(Citizen(unit=hamlet, household=hh, full_name=name,
                                   birth_year=rng.randint(1950, 2015),
                                   workplace=rng.choice(["", "", "Nông nghiệp", "Kinh doanh", "Giáo viên"])))
    Citizen.objects.bulk_create(members)


@transaction.atomic
def load(context: dict, credentials: list) -> dict:
    province = _current(Level.PROVINCE, PROVINCE_CODE)
    ubnd = _child(province, "Ủy ban nhân dân tỉnh Hà Tĩnh", Kind.PEOPLES_COMMITTEE)
    sogd = _child(province, "Sở Giáo dục và Đào tạo tỉnh Hà Tĩnh", Kind.DEPARTMENT,
                  email="sogddt@demo.xhht.local", phone="02393855000")
    university = _child(province, "Trường Đại học Hà Tĩnh", Kind.UNIVERSITY)
    association = _child(province, "Hội Khuyến học tỉnh Hà Tĩnh", Kind.ASSOCIATION)
    for faculty in ("Khoa Sư phạm", "Khoa Kinh tế - Quản trị kinh doanh", "Khoa Kỹ thuật - Công nghệ"):
        _child(university, faculty, Kind.OTHER)

    communes = {}
    for code, slug in COMMUNES.items():
        commune = _current(Level.COMMUNE, code)
        communes[slug] = commune
        is_ward = commune.kind == Kind.WARD
        for n in range(1, 5):
            hamlet = _child(commune, f"{'Tổ dân phố' if is_ward else 'Thôn'} {n}",
                            Kind.RESIDENTIAL_GROUP if is_ward else Kind.HAMLET, level=Level.HAMLET)
            _households(hamlet, 25)
        short = commune.name.split(" ", 1)[1]
        _child(commune, f"Trung tâm học tập cộng đồng {commune.name.lower()}", Kind.LEARNING_CENTRE)
        _child(commune, f"Trường Tiểu học {short}", Kind.SCHOOL)
        _child(commune, f"Trường THCS {short}", Kind.SCHOOL)
    unit_paths_repair()

    _user("admin", "Quản trị hệ thống", "Quản trị", [], credentials, superuser=True)
    _user("tinh.hatinh", "Nguyễn Văn Tỉnh", "Chuyên viên Văn phòng UBND tỉnh",
          [(province, Role.ADMIN)], credentials)
    _user("sogd.duyet", "Trần Thị Duyệt", "Chuyên viên Sở GD&ĐT",
          [(province, Role.REVIEWER)], credentials)
    _user("sogd.congnhan", "Lê Văn Công", "Phó Giám đốc Sở GD&ĐT",
          [(province, Role.APPROVER)], credentials)
    for slug, commune in communes.items():
        _user(f"xa.{slug}", f"Phạm Thị {slug.title()}", f"Công chức văn hóa - xã hội {commune.name}",
              [(commune, Role.OFFICER)], credentials)
        _user(f"chutich.{slug}", f"Hoàng Văn {slug.title()}", f"Chủ tịch UBND {commune.name}",
              [(commune, Role.APPROVER)], credentials)
    _user("truong.dhht", "Võ Minh Trường", "Chuyên viên Phòng Tổ chức - Hành chính",
          [(university, Role.OFFICER)], credentials)
    _user("hoidong.thuky", "Đặng Thu Thư", "Thư ký Hội đồng TĐKT tỉnh",
          [(province, Role.COUNCIL_SECRETARY)], credentials)
    for n in range(1, 4):
        _user(f"hoidong.tv{n}", f"{SURNAMES[n]} Quốc Hội {n}", "Thành viên Hội đồng TĐKT tỉnh",
              [(province, Role.COUNCIL_MEMBER)], credentials)
    _user("lanhdao.xem", "Bùi Xuân Lãnh", "Lãnh đạo UBND tỉnh", [(province, Role.VIEWER)], credentials)
    return {"province": province, "ubnd": ubnd, "sogd": sogd, "university": university,
            "association": association, "communes": communes}
