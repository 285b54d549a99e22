from django.urls import path

from arena import views

app_name = "arena"

urlpatterns = [
    path("", views.arena_page, name="vote-page"),
    path("pair.json", views.pair_json, name="pair"),
    path("vote/", views.vote, name="vote"),
    path("peek/", views.peek, name="peek"),
    path("media/<str:token>", views.media_file, name="media"),
    path("votes/<int:pk>/tags/", views.tag, name="tag"),
    path("votes/<int:pk>/", views.reveal, name="reveal"),
    path("leaderboard/", views.LeaderboardView.as_view(), name="leaderboard"),
]
