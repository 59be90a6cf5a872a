from django.conf import settings
from django.http import JsonResponse
from django.utils.translation import gettext as _

# Room for the multipart envelope and the other form fields around the file.
ENVELOPE_BYTES = 64 * 1024


class UploadSizeLimitMiddleware:
    """Refuse a request body over ``OMS_MAX_UPLOAD_MB`` before anything reads it.

    It must run before CsrfViewMiddleware, which reads the form (and so stores the
    uploaded file in a temporary file) to find the CSRF token.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if declared > settings.MAX_UPLOAD_MB * 1024 * 1024 + ENVELOPE_BYTES:
            message = _("The file is larger than %(mb)s MB.") % {"mb": settings.MAX_UPLOAD_MB}
            return JsonResponse({"error": {"code": "too_large", "message": message}}, status=413)
        return self.get_response(request)
