"""The tenant file's `support.articles`: validated by JSON path, applied as pages, idempotent, sanitised."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from support_docs.models import SupportArticlePage, SupportIndexPage
from tests.conftest import tenant_config
from warranty_api.onboarding.config_file import validate_tenant_config
from warranty_api.onboarding.services import tenant_config_apply

ARTICLES = [
    {"slug": "cleaning", "title": "Cleaning the TP9", "kind": "manual", "summary": "Field-strip and lubricate",
     "products": ["TP9-ELITE-SC"],
     "body": '<p onclick="steal()">Unload first. <b>Always.</b></p><script>alert(1)</script>'
             '<p><a href="javascript:alert(1)">bad</a> <a href="https://example.com/x">good</a></p><iframe src="x">'},
    {"slug": "returns", "title": "Shipping a return", "kind": "faq", "body": "<h2>How</h2><p>Box it.</p>"},
    {"slug": "recall-draft", "title": "Draft notice", "kind": "guide", "live": False},
]


def apply(data):
    spec, errors = validate_tenant_config(data)
    assert not errors, errors
    return tenant_config_apply(spec)


def test_articles_become_pages_and_a_second_load_changes_nothing(db):
    data = tenant_config("northpeak", support={"articles": ARTICLES})
    report = apply(data)
    assert {"created article cleaning", "created article returns", "created article recall-draft"} <= set(report)
    assert SupportIndexPage.objects.count() == 1
    cleaning = SupportArticlePage.objects.get(slug="cleaning")
    assert cleaning.sku_list() == ["TP9-ELITE-SC"] and cleaning.live and cleaning.kind == "manual"
    html = str(cleaning.body[0].value)
    assert "<b>Always.</b>" in html and 'href="https://example.com/x"' in html
    assert "onclick" not in html and "script" not in html and "alert" not in html and "javascript" not in html
    assert "iframe" not in html
    assert not SupportArticlePage.objects.get(slug="recall-draft").live

    assert [line for line in apply(data) if "article" in line] == []

    page = Client().get("/northpeak/support/cleaning/")
    assert page.status_code == 200 and "Unload first." in page.content.decode()
    assert "Cleaning the TP9" in Client().get("/northpeak/catalog/TP9-ELITE-SC/").content.decode()
    assert Client().get("/northpeak/support/recall-draft/").status_code == 404


def test_a_changed_article_is_updated_and_published(db):
    apply(tenant_config("northpeak", support={"articles": ARTICLES}))
    changed = [dict(ARTICLES[0], title="Cleaning your TP9", products=[]), ARTICLES[1], dict(ARTICLES[2], live=True)]
    report = apply(tenant_config("northpeak", support={"articles": changed}))
    assert "updated article cleaning: title, products" in report
    assert "updated article recall-draft: live" in report
    assert SupportArticlePage.objects.get(slug="cleaning").title == "Cleaning your TP9"
    assert SupportArticlePage.objects.get(slug="cleaning").sku_list() == []
    assert SupportArticlePage.objects.get(slug="recall-draft").live


@pytest.mark.parametrize(
    ("articles", "paths"),
    [
        ([{"slug": "x"}], {"support.articles[0].title", "support.articles[0].kind"}),
        ([{"slug": "Bad Slug", "title": "t", "kind": "faq"}], {"support.articles[0].slug"}),
        ([{"slug": "a", "title": "t", "kind": "blog"}], {"support.articles[0].kind"}),
        ([{"slug": "a", "title": "t", "kind": "faq", "products": ["NOPE"]}], {"support.articles[0].products[0]"}),
        ([{"slug": "a", "title": "t", "kind": "faq", "body": 5}], {"support.articles[0].body"}),
        ([{"slug": "a", "title": "t", "kind": "faq", "live": "yes"}], {"support.articles[0].live"}),
        ([{"slug": "a", "title": "t", "kind": "faq", "colour": 1}], {"support.articles[0].colour"}),
        ([{"slug": "a", "title": "t", "kind": "faq"}, {"slug": "a", "title": "u", "kind": "faq"}],
         {"support.articles[1].slug"}),
    ],
)
def test_every_problem_by_its_path_and_nothing_written(db, articles, paths):
    spec, errors = validate_tenant_config(tenant_config("northpeak", support={"articles": articles}))
    assert spec is None
    assert {e.split(":", 1)[0] for e in errors} == paths, errors
    assert SupportArticlePage.objects.count() == 0


def test_the_demo_brand_ships_real_looking_manuals_and_faqs(db):
    data = json.loads((Path(__file__).resolve().parents[2] / "demo" / "ridgeline.json").read_text())
    spec, errors = validate_tenant_config(data)
    assert not errors, errors
    assert len(spec.sections["support"]) >= 5
    assert {a["kind"] for a in spec.sections["support"]} >= {"manual", "faq"}
    tenant_config_apply(spec)
    assert SupportArticlePage.objects.live().count() >= 5
