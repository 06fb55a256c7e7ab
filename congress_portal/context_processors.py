from django.conf import settings


def portal(request):
    """What every page needs: the portal's name and the current user's role."""
    user = getattr(request, "user", None)
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "user_role": getattr(user, "role", "") if user and user.is_authenticated else "",
    }
