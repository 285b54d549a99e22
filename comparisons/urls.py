from django.urls import path

from comparisons import views
from comparisons.feeds import NewComparisonsAtomFeed, NewComparisonsFeed

app_name = "comparisons"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("compare/<slug:slug>/", views.ComparisonDetailView.as_view(), name="detail"),
    path("leaderboard/", views.LeaderboardView.as_view(), name="leaderboard"),
    path("models/", views.ModelListView.as_view(), name="models"),
    path("models/<slug:slug>/", views.ModelDetailView.as_view(), name="model"),
    path("prompts/", views.PromptListView.as_view(), name="prompts"),
    path("prompts/<slug:slug>/", views.PromptDetailView.as_view(), name="prompt"),
    path("methodology/", views.MethodologyView.as_view(), name="methodology"),
    path("break-even/", views.BreakEvenView.as_view(), name="breakeven"),
    path("embed/<slug:slug>/", views.ComparisonEmbedView.as_view(), name="embed"),
    path("oembed", views.oembed, name="oembed"),
    path("feeds/comparisons.rss", NewComparisonsFeed(), name="feed_rss"),
    path("feeds/comparisons.atom", NewComparisonsAtomFeed(), name="feed_atom"),
]
