from django.contrib import admin, messages
from django.utils import timezone

from api.models import ApiToken, CallbackDelivery, IdempotencyRecord, RunCallback


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["user"]
    search_fields = ["name", "prefix", "user__username"]
    raw_id_fields = ["user"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        token, raw = ApiToken.issue(user=obj.user, name=obj.name)
        obj.pk = token.pk
        obj.refresh_from_db()
        # Shown once: only the hash is kept.
        messages.warning(
            request,
            f"Copy the token now, it will not be shown again: {raw} — and the callback signing "
            f"secret: {token.signing_secret}",
        )

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        self.message_user(request, f"Revoked {count} tokens.")


@admin.register(IdempotencyRecord)
class IdempotencyRecordAdmin(admin.ModelAdmin):
    list_display = ["key", "user", "run", "created_at"]
    list_select_related = ["user", "run__prompt"]
    search_fields = ["key", "user__username"]
    raw_id_fields = ["user", "run"]


class CallbackDeliveryInline(admin.TabularInline):
    model = CallbackDelivery
    extra = 0
    can_delete = False
    fields = ["message_id", "event", "attempt", "status", "response_status", "error", "created_at"]
    readonly_fields = fields
    ordering = ["-created_at"]


@admin.register(RunCallback)
class RunCallbackAdmin(admin.ModelAdmin):
    list_display = ["run", "url", "created_at"]
    list_select_related = ["run__prompt"]
    search_fields = ["url"]
    raw_id_fields = ["run"]
    exclude = ["signing_secret"]
    inlines = [CallbackDeliveryInline]


@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(admin.ModelAdmin):
    list_display = ["message_id", "event", "attempt", "status", "response_status", "created_at"]
    list_filter = ["status", "event"]
    list_select_related = ["callback"]
    search_fields = ["message_id", "callback__url"]
    raw_id_fields = ["callback"]
    readonly_fields = [f.name for f in CallbackDelivery._meta.fields]
