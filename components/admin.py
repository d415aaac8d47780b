"""Admin for the catalogue and reference data; also names the admin site."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import (
    Certification,
    ComponentCategory,
    ComponentType,
    KbliCode,
    Material,
    Process,
    Province,
    Regency,
    Sector,
)

admin.site.site_header = _("Jembatan")
admin.site.site_title = _("Jembatan")
admin.site.index_title = _("Administration")

BILINGUAL_SEARCH = ("code", "name_id", "name_en")
TIMESTAMPS = ("created_at", "updated_at")


@admin.register(Province)
class ProvinceAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "latitude", "longitude")
    search_fields = ("code", "name")


@admin.register(Regency)
class RegencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "province", "latitude", "longitude")
    list_filter = ("province",)
    list_select_related = ("province",)
    search_fields = ("code", "name")


@admin.register(KbliCode)
class KbliCodeAdmin(admin.ModelAdmin):
    list_display = ("code", "title")
    search_fields = ("code", "title")


@admin.register(Sector)
class SectorAdmin(admin.ModelAdmin):
    list_display = ("name_id", "name_en", "code")
    search_fields = BILINGUAL_SEARCH
    filter_horizontal = ("kbli_codes",)
    readonly_fields = TIMESTAMPS


class ComponentTypeInline(admin.TabularInline):
    model = ComponentType
    fields = ("code", "name_id", "name_en", "unit", "kbli")
    autocomplete_fields = ("kbli",)
    extra = 0
    show_change_link = True


@admin.register(ComponentCategory)
class ComponentCategoryAdmin(admin.ModelAdmin):
    list_display = ("name_id", "name_en", "code", "sector", "parent")
    list_filter = ("sector",)
    list_select_related = ("sector", "parent")
    search_fields = BILINGUAL_SEARCH
    autocomplete_fields = ("parent",)
    readonly_fields = TIMESTAMPS
    inlines = (ComponentTypeInline,)


@admin.register(Material)
class MaterialAdmin(admin.ModelAdmin):
    list_display = ("name_id", "name_en", "code", "family")
    list_filter = ("family",)
    search_fields = BILINGUAL_SEARCH
    readonly_fields = TIMESTAMPS


@admin.register(Process)
class ProcessAdmin(admin.ModelAdmin):
    list_display = ("name_id", "name_en", "code")
    search_fields = BILINGUAL_SEARCH
    readonly_fields = TIMESTAMPS


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "issuer")
    list_filter = ("kind",)
    search_fields = ("code", "name", "issuer")
    readonly_fields = TIMESTAMPS


@admin.register(ComponentType)
class ComponentTypeAdmin(admin.ModelAdmin):
    list_display = ("name_id", "name_en", "code", "category", "sector_name", "unit", "kbli")
    list_filter = ("category__sector", "category", "unit")
    list_select_related = ("category__sector", "kbli")
    search_fields = (*BILINGUAL_SEARCH, "hs_code", "kbli__code")
    autocomplete_fields = ("category", "kbli")
    filter_horizontal = ("typical_materials", "required_processes")
    readonly_fields = TIMESTAMPS

    @admin.display(description=_("sector"), ordering="category__sector__name_id")
    def sector_name(self, obj: ComponentType) -> str:
        return str(obj.category.sector)
