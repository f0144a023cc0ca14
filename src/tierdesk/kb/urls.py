from django.urls import path

from tierdesk.kb import views

app_name = "kb"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("suggest/", views.suggest, name="suggest"),
    path("sections/<slug:slug>/", views.section, name="section"),
    path("articles/<slug:slug>/", views.article, name="article"),
    path("articles/<slug:slug>/files/<str:name>", views.file_download, name="file"),
    path("articles/<slug:slug>/feedback/<slug:answer>/", views.feedback, name="feedback"),
    path("articles/<slug:slug>/solved/", views.solved, name="solved"),
]
