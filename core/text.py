"""Vietnamese text: NFC storage and diacritic-insensitive search keys."""

import unicodedata


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value or "").strip()


def search_key(value: str) -> str:
    """'Thành phố Hà Tĩnh' -> 'thanh pho ha tinh'. đ is a letter of its own, not an accent, so it is
    mapped by hand; every other mark goes with NFD decomposition."""
    text = unicodedata.normalize("NFD", (value or "").lower().replace("đ", "d").replace("Đ", "d"))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    return " ".join(text.split())
