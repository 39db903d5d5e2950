"""Contract management pages for admins, mounted at /contracts/ (contracts namespace)."""

from django.urls import URLPattern, URLResolver, path

from deskpact.web.views import contracts_admin, contracts_prices

app_name = "contracts"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", contracts_admin.contract_list, name="list"),
    path("new/", contracts_admin.create_contract, name="create"),
    path("prices/", contracts_prices.price_book, name="prices"),
    path("prices/add/", contracts_prices.add_price, name="add_price"),
    path("<int:pk>/", contracts_admin.contract_detail, name="detail"),
    path("<int:pk>/top-up/", contracts_admin.top_up, name="top_up"),
    path("<int:pk>/renew/", contracts_admin.renew, name="renew"),
    path("<int:pk>/end/", contracts_admin.end, name="end"),
    path("<int:pk>/training/", contracts_admin.record_training, name="training"),
]
