from django.urls import path, re_path

from basic.filejobs import api, views

urlpatterns = [
    path("api/jobs/", api.jobs, name="api-jobs"),
    path("api/jobs/import/", api.job_import, name="api-job-import"),
    path("api/jobs/export/", api.job_export, name="api-job-export"),
    path("api/jobs/<int:job_id>/", api.job_detail, name="api-job-detail"),
    path("api/jobs/<int:job_id>/cancel", api.job_cancel, name="api-job-cancel"),
    path("api/jobs/<int:job_id>/retry", api.job_retry, name="api-job-retry"),
    path("api/jobs/<int:job_id>/commit", api.job_commit, name="api-job-commit"),
    path("api/jobs/<int:job_id>/error-report", api.job_error_report, name="api-job-error-report"),
    path("api/jobs/<int:job_id>/result", api.job_result, name="api-job-result"),
    re_path(
        r"^api/templates/(?P<kind>\w+)\.(?P<file_format>xlsx|xls)$",
        api.template_download,
        name="api-template",
    ),
    # Pages
    path("jobs/", views.job_center, name="job-center"),
    path("jobs/export/", views.export_request, name="export-request"),
    path("jobs/import/<str:kind>/", views.import_page, name="import-page"),
    path("jobs/<int:job_id>/", views.job_page, name="job-page"),
    path("jobs/<int:job_id>/errors/", views.job_errors, name="job-errors"),
]
