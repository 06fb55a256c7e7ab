from django.views.generic import DetailView, TemplateView


class SuggestionCreateView(TemplateView):
    template_name = "suggestions/suggestion_new.html"


class TrackView(TemplateView):
    template_name = "suggestions/track.html"


class TrackDetailView(TemplateView):
    template_name = "suggestions/track.html"


class SuggestionDetailView(DetailView):
    template_name = "suggestions/suggestion_detail.html"
