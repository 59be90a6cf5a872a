"""Template helpers of the job pages: the kinds a user may import or export, durations."""

from django import template
from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from basic.filejobs.sheets.specs import all_specs, user_may

register = template.Library()


@register.simple_tag(takes_context=True)
def excel_kinds(context) -> list[dict]:
    """Every kind the user may import or export, with its import page and admin list."""
    user = context["request"].user
    kinds = []
    for spec in all_specs():
        may_import = user_may(user, spec.import_permissions)
        listed = admin.site.is_registered(spec.model)  # its admin list is where it exports
        may_export = user_may(user, spec.export_permissions) and listed
        if not (may_import or may_export):
            continue
        opts = spec.model._meta
        try:
            changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        except NoReverseMatch:
            changelist = ""
        kinds.append(
            {
                "kind": spec.kind,
                "label": spec.label,
                "import_url": reverse("import-page", args=[spec.kind]) if may_import else "",
                "export_url": changelist if may_export else "",
            }
        )
    return kinds


@register.filter
def duration(seconds) -> str:
    """A short, readable duration: 45 s, 3 min 20 s, 2 h 5 min."""
    if seconds in (None, ""):
        return ""
    seconds = int(seconds)
    if seconds < 60:
        return _("%(s)s s") % {"s": seconds}
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return _("%(m)s min %(s)s s") % {"m": minutes, "s": seconds}
    hours, minutes = divmod(minutes, 60)
    return _("%(h)s h %(m)s min") % {"h": hours, "m": minutes}
