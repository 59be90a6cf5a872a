from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog

from basic.filejobs.views import healthz

admin.site.site_header = admin.site.site_title = _("OMS back office")

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="admin:index", permanent=False)),
    path("healthz", healthz, name="healthz"),
    path("accounts/login/", admin.site.login, name="login"),
    path("accounts/logout/", admin.site.logout, name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("", include("basic.filejobs.urls")),
    path("admin/", admin.site.urls),
]

# Under /api/ every error is the JSON of docs/API.md; elsewhere Django's pages.
handler400 = "basic.filejobs.api.bad_request"
handler403 = "basic.filejobs.api.permission_denied"
handler404 = "basic.filejobs.api.page_not_found"
handler500 = "basic.filejobs.api.server_error"
