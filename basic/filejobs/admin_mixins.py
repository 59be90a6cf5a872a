from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _


class NotFoundInsteadOfRedirectMixin:
    """An object outside the user's queryset answers 404, exactly like one that does not exist.

    The admin's default is a redirect with "doesn't exist. Perhaps it was deleted?", which
    leaks nothing either, but a 404 is what every other page does for a foreign object.
    """

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404


class ExcelAdminMixin:
    """Import and export for the changelist of a kind (``excel_kind``).

    The list's object tools link to the import page and export what the list shows (its
    filters and search); the actions export the selected rows.
    """

    excel_kind = ""
    change_list_template = "admin/oms_change_list.html"
    actions = ["export_selected_xlsx", "export_selected_xls", "export_selected_csv"]

    def _export_selected(self, request, queryset, file_format):
        from django.contrib import messages
        from django.shortcuts import redirect

        from basic.filejobs.requests import RequestRefused, export_job_create

        # "Select all N" across pages is the whole filtered list: export it by its filters
        # (the query string the action was posted with) rather than by N ids.
        whole_list = request.POST.get("select_across") == "1"
        try:
            job, _created = export_job_create(
                user=request.user,
                kind=self.excel_kind,
                file_format=file_format,
                filters=dict(request.GET.items()) if whole_list else None,
                ids=None if whole_list else list(queryset.values_list("pk", flat=True)),
                language=request.LANGUAGE_CODE,
            )
        except RequestRefused as refused:
            self.message_user(request, refused.message, messages.ERROR)
            return None
        return redirect("job-page", job_id=job.pk)

    @admin.action(description=_("Export selected rows (xlsx)"))
    def export_selected_xlsx(self, request, queryset):
        return self._export_selected(request, queryset, "xlsx")

    @admin.action(description=_("Export selected rows (xls)"))
    def export_selected_xls(self, request, queryset):
        return self._export_selected(request, queryset, "xls")

    @admin.action(description=_("Export selected rows (csv)"))
    def export_selected_csv(self, request, queryset):
        return self._export_selected(request, queryset, "csv")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "excel_kind": self.excel_kind}
        return super().changelist_view(request, extra_context=extra_context)
