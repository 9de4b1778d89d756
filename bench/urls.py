"""The product's URLs plus the floor: a bare view that parses the same JSON and does one INSERT."""

import json

from django.db import connection
from django.http import JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from site_aftersale.urls import urlpatterns as product_urlpatterns


@csrf_exempt
def floor(request):
    data = json.loads(request.body)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_floor (serial_number, email, purchase_date, body) VALUES (%s, %s, %s, %s) RETURNING id",
            [data["serial_number"], data["customer"]["email"], data["purchase_date"], json.dumps(data)],
        )
        row_id = cursor.fetchone()[0]
    return JsonResponse({"data": {"id": row_id, "serial_number": data["serial_number"]}}, status=201)


urlpatterns = [path("bench/floor", floor), *product_urlpatterns]
