"""The language switcher's links for a portal page."""

from django import template

from home.languages import switcher

register = template.Library()


@register.simple_tag(takes_context=True)
def portal_languages(context):
    brand = context.get("brand")
    request = context.get("request")
    if brand is None or request is None:
        return []
    return switcher(request, brand)
