"""The headless content API of each brand: Wagtail's API v2 (pages, documents, images) under
/api/<tenant>/content/, showing only that brand's live, public pages and its own collection's files.

Wagtail's own viewsets, query parameters (`type`, `fields`, `search`, `child_of`, `limit`, `offset`, `order`,
...) and response shape (`meta.total_count`, `items`, each item's `meta.type`/`html_url`), so a Wagtail
headless client works unchanged; plus `product=<SKU>` to list the articles about one product. Errors leave
in the API's error envelope. The paths have no trailing slash, like the rest of the API.
"""

from __future__ import annotations

from django.conf import settings
from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import PagesAPIViewSet
from wagtail.documents.api.v2.views import DocumentsAPIViewSet
from wagtail.images.api.v2.views import ImagesAPIViewSet
from wagtail.models import Collection

from home.models import TenantPortalPage
from support_docs.models import SupportArticlePage
from warranty_api.core.exceptions import api_exception_handler, error_body

ENDPOINTS = ("pages", "documents", "images")


class BrandContentRouter(WagtailAPIRouter):
    """Wagtail's router for one brand: detail links point under that brand's /api/<tenant>/content/."""

    def __init__(self, tenant_slug: str):
        super().__init__("content_api")
        self.tenant_slug = tenant_slug
        for name, view in VIEWSETS.items():
            self.register_endpoint(name, view)

    def get_model_listing_urlpath(self, model):
        endpoint = self.get_model_endpoint(model)
        return f"/api/{self.tenant_slug}/content/{endpoint[0]}" if endpoint else None

    def get_object_detail_urlpath(self, model, pk):
        endpoint = self.get_model_endpoint(model)
        return f"/api/{self.tenant_slug}/content/{endpoint[0]}/{pk}" if endpoint else None


class _BrandScoped:
    """What the three endpoints share: public, JSON only, tenant-scoped, errors in the API's envelope."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    renderer_classes = [JSONRenderer]
    schema_envelope = False  # Wagtail API v2's own shape, not {"data": ...}

    def initial(self, request, *args, **kwargs):
        tenant = getattr(request, "tenant", None)
        if tenant is None:
            raise Http404
        request.wagtailapi_router = BrandContentRouter(tenant.slug)
        super().initial(request, *args, **kwargs)
        # Wagtail's search raises a bare ValueError (a 500) for any other operator; it is the client's mistake.
        if request.GET.get("search_operator", "and") not in ("and", "or"):
            raise BadRequestError("search_operator must be 'and' or 'or'")

    @property
    def tenant(self):
        return self.request.tenant

    # The path's <tenant> was resolved by TenantMiddleware (request.tenant); Wagtail's views take no such argument.
    def listing_view(self, request, tenant=None):
        return super().listing_view(request)

    def detail_view(self, request, pk, tenant=None):
        return super().detail_view(request, pk)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the schema generator's request has no brand
            return self.model.objects.none()
        return self.brand_queryset(super().get_queryset())

    def brand_queryset(self, queryset):
        return queryset

    def handle_exception(self, exc):
        if isinstance(exc, Http404):
            return Response(error_body("not_found", "Not found."), status=status.HTTP_404_NOT_FOUND)
        if isinstance(exc, BadRequestError):
            return Response(error_body("validation_error", str(exc)), status=status.HTTP_400_BAD_REQUEST)
        # Anything else DRF raises (a method not allowed, ...) goes through the API's own handler.
        return APIView.handle_exception(self, exc)

    def get_exception_handler(self):
        return api_exception_handler


def _portal(view):
    if not hasattr(view, "_portal"):
        view._portal = TenantPortalPage.objects.filter(tenant=view.tenant).first()
    if view._portal is None:
        raise Http404
    return view._portal


def _collection_ids(tenant) -> list[int]:
    if tenant.collection_id is None:
        return []
    root = Collection.objects.filter(id=tenant.collection_id).first()
    return list(Collection.objects.descendant_of(root, inclusive=True).values_list("id", flat=True)) if root else []


_LISTING = OpenApiResponse(
    {"type": "object", "required": ["meta", "items"], "properties": {
        "meta": {"type": "object", "required": ["total_count"], "properties": {"total_count": {"type": "integer"}}},
        "items": {"type": "array", "items": {"type": "object", "additionalProperties": True,
                                             "properties": {"id": {"type": "integer"}, "meta": {"type": "object"}}}},
    }},
    description="Wagtail API v2 listing: `meta.total_count` and `items`",
)
_DETAIL = OpenApiResponse(
    {"type": "object", "required": ["id", "meta"], "additionalProperties": True,
     "properties": {"id": {"type": "integer"}, "meta": {"type": "object"}}},
    description="Wagtail API v2 detail: the object's fields and `meta`",
)
_TENANT = OpenApiParameter("tenant", str, location=OpenApiParameter.PATH, description="The brand's slug")
_ID = OpenApiParameter("id", OpenApiTypes.INT, location=OpenApiParameter.PATH)
_COMMON = [
    OpenApiParameter("fields", str, description="Wagtail's field selection, e.g. `title,body` or `*` or `-title`"),
    # Wagtail's pagination takes 0 up to WAGTAILAPI_LIMIT_MAX (20 unless set), and any offset from 0.
    OpenApiParameter("limit", {"type": "integer", "minimum": 0, "maximum": getattr(settings, "WAGTAILAPI_LIMIT_MAX", 20)},
                     description="Items per page (default 20)"),
    OpenApiParameter("offset", {"type": "integer", "minimum": 0}, description="Items to skip"),
    OpenApiParameter("order", str, description="A field to order by (`-` for descending) or `random`"),
    OpenApiParameter("search", str, description="Full-text search (Wagtail search)"),
    OpenApiParameter("search_operator", str, enum=["and", "or"]),
]
_PAGES = [
    *_COMMON,
    OpenApiParameter("type", str, description="Page type, e.g. `support_docs.SupportArticlePage`"),
    OpenApiParameter("child_of", str, description="A page id (or `root`: the brand's portal)"),
    OpenApiParameter("descendant_of", OpenApiTypes.INT),
    OpenApiParameter("ancestor_of", OpenApiTypes.INT),
    OpenApiParameter("product", str, description="A SKU of this brand: only the articles about that product"),
]


class BrandPagesAPIViewSet(_BrandScoped, PagesAPIViewSet):
    known_query_parameters = PagesAPIViewSet.known_query_parameters.union(["product"])

    @extend_schema(operation_id="content_pages_list", summary="The brand's live pages (Wagtail API v2)",
                   parameters=[_TENANT, *_PAGES], responses={200: _LISTING})
    def listing_view(self, request, tenant=None):
        return super().listing_view(request, tenant)

    @extend_schema(operation_id="content_pages_get", summary="One live page of the brand",
                   parameters=[_TENANT, _ID, OpenApiParameter("fields", str)], responses={200: _DETAIL})
    def detail_view(self, request, pk, tenant=None):
        return super().detail_view(request, pk, tenant)

    def get_root_page(self):
        return _portal(self)

    def get_base_queryset(self):
        # Live and public (Wagtail drops private pages and drafts), and only under this brand's portal.
        return super().get_base_queryset().descendant_of(_portal(self), inclusive=True)

    def brand_queryset(self, queryset):
        sku = self.request.GET.get("product")
        if sku is not None:
            articles = SupportArticlePage.objects.filter(
                product_links__product__tenant=self.tenant, product_links__product__sku=sku
            ).values_list("pk", flat=True)
            queryset = queryset.filter(pk__in=articles)
        return queryset


class BrandDocumentsAPIViewSet(_BrandScoped, DocumentsAPIViewSet):
    @extend_schema(operation_id="content_documents_list", summary="The brand's documents (Wagtail API v2)",
                   parameters=[_TENANT, *_COMMON], responses={200: _LISTING})
    def listing_view(self, request, tenant=None):
        return super().listing_view(request, tenant)

    @extend_schema(operation_id="content_documents_get", summary="One document of the brand",
                   parameters=[_TENANT, _ID, OpenApiParameter("fields", str)], responses={200: _DETAIL})
    def detail_view(self, request, pk, tenant=None):
        return super().detail_view(request, pk, tenant)

    def brand_queryset(self, queryset):
        return queryset.filter(collection_id__in=_collection_ids(self.tenant))


class BrandImagesAPIViewSet(_BrandScoped, ImagesAPIViewSet):
    @extend_schema(operation_id="content_images_list", summary="The brand's images (Wagtail API v2)",
                   parameters=[_TENANT, *_COMMON], responses={200: _LISTING})
    def listing_view(self, request, tenant=None):
        return super().listing_view(request, tenant)

    @extend_schema(operation_id="content_images_get", summary="One image of the brand",
                   parameters=[_TENANT, _ID, OpenApiParameter("fields", str)], responses={200: _DETAIL})
    def detail_view(self, request, pk, tenant=None):
        return super().detail_view(request, pk, tenant)

    def brand_queryset(self, queryset):
        return queryset.filter(collection_id__in=_collection_ids(self.tenant))


VIEWSETS = {"pages": BrandPagesAPIViewSet, "documents": BrandDocumentsAPIViewSet, "images": BrandImagesAPIViewSet}

# Included under /api/<str:tenant>/ by the site's URLs, before the API's catch-all 404.
urlpatterns = []
for _name, _view in VIEWSETS.items():
    urlpatterns += [
        path(f"content/{_name}", _view.as_view({"get": "listing_view"}), name=f"content-{_name}-list"),
        path(f"content/{_name}/<int:pk>", _view.as_view({"get": "detail_view"}), name=f"content-{_name}-detail"),
    ]
