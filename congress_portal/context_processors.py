from django.conf import settings
from django.utils.functional import SimpleLazyObject


def portal(request):
    """What every page needs: the portal's name and the current user's role.

    Nothing here touches the database until a template asks: the 500 and 503 pages render
    through this processor while the database may be away, and they never ask for the role.
    """

    def role():
        user = getattr(request, "user", None)
        return getattr(user, "role", "") if user is not None and user.is_authenticated else ""

    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_PRIVACY_CONTACT": settings.PORTAL_PRIVACY_CONTACT,
        "user_role": SimpleLazyObject(role),
    }
