from django.views.generic import DetailView

from .models import Meeting


class MeetingDetailView(DetailView):
    """A held meeting as the public sees it."""

    template_name = "meetings/meeting_detail.html"
    context_object_name = "meeting"

    def get_queryset(self):
        return Meeting.objects.exclude(status=Meeting.Status.CANCELLED).select_related("station")
