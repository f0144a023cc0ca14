from django.urls import path

from tierdesk.downloads.views import manage, public

app_name = "downloads"

urlpatterns = [
    path("", public.index, name="index"),
    path("products/<slug:product>/", public.product, name="product"),
    path("products/<slug:product>/feed.atom", public.feed, name="feed"),
    path("products/<slug:product>/follow/", public.follow, name="follow"),
    path("products/<slug:product>/<str:version>/", public.version, name="version"),
    path("files/<id:pk>/<str:name>", public.file, name="file"),
    path("files/<id:pk>/signature/<str:name>", public.signature, name="signature"),
    path("links/<str:token>/", public.link, name="link"),
    path("manage/", manage.home, name="manage"),
    path("manage/releases/new/", manage.release_new, name="manage_release_new"),
    path("manage/releases/<id:pk>/", manage.release, name="manage_release"),
    path("manage/releases/<id:pk>/files/", manage.release_upload, name="manage_release_upload"),
    path("manage/releases/<id:pk>/publish/", manage.release_publish, name="manage_release_publish"),
    path("manage/releases/<id:pk>/fixes/", manage.release_fixes, name="manage_release_fixes"),
    path("manage/tickets/<str:ref>/fixed-in/", manage.ticket_panel, name="ticket_panel"),
    path("manage/organizations/<id:pk>/", manage.organization, name="manage_organization"),
    path("manage/files/<id:pk>/mail/", manage.mail_link, name="manage_mail_link"),
]
