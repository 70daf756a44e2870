"""The demo's issuing bodies (load_demo, right after the unit tree): Hà Tĩnh's People's Committee, its
council, its Department of Education, the university and the two demo communes, with heads' names
marked DEMO so that nobody takes a demo PDF for a real act. Re-running changes nothing."""

from __future__ import annotations

from django.db import transaction

from .models import IssuingBody
from .services import issuing_body_for

PROVINCE_HEAD = "Nguyễn Văn Tỉnh (DEMO)"


def _set_head(body: IssuingBody, name: str, **extra) -> None:
    changes = {"head_name": name, **extra}
    changed = [field for field, value in changes.items() if getattr(body, field) != value]
    if changed:
        for field in changed:
            setattr(body, field, changes[field])
        body.save(update_fields=changed)


@transaction.atomic
def load(context: dict, credentials: list) -> dict:
    province = context["province"]
    bodies = {
        "ubnd_tinh": issuing_body_for(province),
        "hoidong_tinh": issuing_body_for(province, kind=IssuingBody.Kind.COUNCIL),
        "sogd": issuing_body_for(context["sogd"]),
        "dhht": issuing_body_for(context["university"]),
    }
    _set_head(bodies["ubnd_tinh"], PROVINCE_HEAD)
    _set_head(bodies["hoidong_tinh"], PROVINCE_HEAD)  # the provincial chairman chairs the council
    _set_head(bodies["sogd"], "Lê Văn Giám (DEMO)", abbreviation="SGDĐT")
    _set_head(bodies["dhht"], "Võ Văn Hiệu (DEMO)", abbreviation="ĐHHT")
    for slug, commune in context["communes"].items():
        body = issuing_body_for(commune)
        _set_head(body, f"Hoàng Văn {slug.title()} (DEMO)")  # the demo's chutich.<slug> user
        bodies[f"ubnd_{slug}"] = body
    return {"issuing_bodies": bodies}
