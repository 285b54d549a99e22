from django.urls import path

from comparisons import views

app_name = "comparisons"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("compare/<slug:slug>/", views.ComparisonDetailView.as_view(), name="detail"),
]
