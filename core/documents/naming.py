"""How an agency's name is written on a state act (NĐ 30/2020, Phụ lục I, mục II.1): derived defaults
for IssuingBody, which an administrator may correct afterwards."""

from __future__ import annotations

from core.text import nfc
from units.models import Kind, Level, Unit

# The territory word each administrative kind puts before its proper name.
TERRITORY_WORDS = {
    Kind.PROVINCE: "Tỉnh",
    Kind.CENTRAL_CITY: "Thành phố",
    Kind.URBAN_DISTRICT: "Quận",
    Kind.RURAL_DISTRICT: "Huyện",
    Kind.TOWN: "Thị xã",
    Kind.PROVINCIAL_CITY: "Thành phố",
    Kind.COMMUNE: "Xã",
    Kind.WARD: "Phường",
    Kind.TOWNSHIP: "Thị trấn",
    Kind.SPECIAL_ZONE: "Đặc khu",
}

# Head and deputy of an agency by the kind of organisation (Luật TĐKT 2022 names "người đứng đầu").
HEAD_TITLES = {
    Kind.MINISTRY: ("Bộ trưởng", "Thứ trưởng"),
    Kind.DEPARTMENT: ("Giám đốc", "Phó Giám đốc"),
    Kind.AGENCY: ("Giám đốc", "Phó Giám đốc"),
    Kind.SCHOOL: ("Hiệu trưởng", "Phó Hiệu trưởng"),
    Kind.UNIVERSITY: ("Hiệu trưởng", "Phó Hiệu trưởng"),
    Kind.ENTERPRISE: ("Giám đốc", "Phó Giám đốc"),
    Kind.ASSOCIATION: ("Chủ tịch", "Phó Chủ tịch"),
    Kind.LEARNING_CENTRE: ("Giám đốc", "Phó Giám đốc"),
}
DEFAULT_HEAD_TITLES = ("Giám đốc", "Phó Giám đốc")

# Small words left out of an abbreviation ("Sở Giáo dục và Đào tạo" → "SGDĐT").
_ABBREVIATION_SKIP = {"và", "của", "-", "–", "&"}
HEADER_LINE_WIDTH = 30  # characters: the decree's header column is about half the text width


def upper(text: str) -> str:
    return nfc(text).upper()


def territory_name(unit: Unit) -> str:
    """'Tỉnh Hà Tĩnh', 'Phường Thành Sen', whether the unit's name carries the territory word or not."""
    word = TERRITORY_WORDS.get(unit.kind, "")
    name = nfc(unit.name).strip()
    if word and not name.lower().startswith(word.lower() + " "):
        return f"{word} {name}"
    return name


def place_name(unit: Unit) -> str:
    """Địa danh: the proper name without its territory word ('Hà Tĩnh', 'Thành Sen'); a name that is a
    number keeps the word ('Phường 1'), as the decree's examples do."""
    full = territory_name(unit)
    word = TERRITORY_WORDS.get(unit.kind, "")
    if word and full.lower().startswith(word.lower() + " "):
        rest = full[len(word) + 1:].strip()
        if rest and not rest[0].isdigit():
            return rest
    return full


def managing_territory(unit: Unit) -> Unit | None:
    """The nearest administrative unit at or above `unit` (an organisation hangs under the territory
    that manages it, a faculty under its university under the province)."""
    current: Unit | None = unit
    while current is not None and current.level in (Level.ORGANISATION, Level.HAMLET):
        current = current.parent
    return current


def wrap(text: str, width: int = HEADER_LINE_WIDTH) -> list[str]:
    """Greedy wrap at word boundaries; a header line never breaks inside a word."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines


def without_territory(name: str, territory: Unit | None) -> str:
    """'Sở Giáo dục và Đào tạo tỉnh Hà Tĩnh' → 'Sở Giáo dục và Đào tạo': under 'UBND TỈNH HÀ TĨNH' the
    territory is already in the parent line."""
    own = nfc(name).strip()
    if territory is not None:
        suffix = " " + territory_name(territory).lower()
        if own.lower().endswith(suffix) and len(own) > len(suffix):
            own = own[: -len(suffix)]
    return own


def agency_name_lines(name: str, territory: Unit | None) -> list[str]:
    return wrap(upper(without_territory(name, territory)))


def abbreviate(name: str) -> str:
    words = [w for w in nfc(name).replace("-", " ").split() if w.lower() not in _ABBREVIATION_SKIP]
    if words and words[0].lower() == "trường":  # "Trường Đại học Hà Tĩnh" → "ĐHHT", as universities sign
        words = words[1:]
    return "".join(w[0].upper() for w in words if w[0].isalpha())[:20] or "CQ"
