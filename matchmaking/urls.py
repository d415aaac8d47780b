"""Top-level URL configuration."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from partners.forms.accounts import LoginForm

from . import health
from .workspace.views import home

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/welcome/", home.after_login, name="after_login"),
    path("staff/", include("matchmaking.workspace.urls")),
    path("api/v1/", include("matchmaking.workspace.api.urls")),
    path("", include("partners.urls")),
    path("inbox/", include("matchmaking.workspace.inbox_urls")),
    path("healthz", health.healthz, name="healthz"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            redirect_authenticated_user=True, authentication_form=LoginForm
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="home"), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
