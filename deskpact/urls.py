from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views import defaults

from deskpact.api.problems import problem_response

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("deskpact.api.urls")),
    path("", include("deskpact.web.urls")),
]


def handler400(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, 400, "bad_request", "The request could not be read.")
    return defaults.bad_request(request, exception)


def handler404(request: HttpRequest, exception: Exception) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, 404, "not_found", "No such resource.")
    return defaults.page_not_found(request, exception)


def handler500(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        return problem_response(request, 500, "server_error", "Something broke on our side.")
    return defaults.server_error(request)
