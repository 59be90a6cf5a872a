from django.http import Http404


class NotFoundInsteadOfRedirectMixin:
    """An object outside the user's queryset answers 404, exactly like one that does not exist.

    The admin's default is a redirect with "doesn't exist. Perhaps it was deleted?", which
    leaks nothing either, but a 404 is what every other page does for a foreign object.
    """

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404
