"""Staff tools for the arena: look through votes, review the votes screening held back (void or
restore them), void a voter's (or an address's) votes.

Voiding and restoring never refit inline: the services queue the rating refresh task.
"""

from django.contrib import admin, messages

from arena.models import FailureTag, FlaggedVote, Rating, RatingFit, Vote
from arena.services import voter_void, votes_restore, votes_void
from arena.tasks import ratings_refresh


@admin.register(Vote)
class VoteAdmin(admin.ModelAdmin):
    list_display = [
        "pk", "created_at", "pool", "category", "model_a", "model_b", "outcome", "short_voter",
        "short_ip", "voided", "reason", "suspicion",
    ]  # fmt: skip
    list_filter = ["voided", "reason", "pool", "outcome", "category"]
    list_select_related = ["model_a", "model_b"]
    search_fields = ["=voter_hash", "=ip_hash", "=nonce"]
    raw_id_fields = ["generation_a", "generation_b", "model_a", "model_b", "prompt", "voided_by"]
    readonly_fields = [
        "voter_hash", "ip_hash", "nonce", "voided", "reason", "suspicion", "reviewed",
        "watched_left", "watched_right", "seconds_to_vote", "voided_at", "voided_by", "created_at",
    ]  # fmt: skip
    date_hierarchy = "created_at"
    actions = ["void_selected", "restore_selected", "void_voters", "void_addresses"]

    @admin.display(description="voter")
    def short_voter(self, obj):
        return obj.voter_hash[:10]

    @admin.display(description="address")
    def short_ip(self, obj):
        return obj.ip_hash[:10]

    @admin.action(description="Void the selected votes")
    def void_selected(self, request, queryset):
        count = votes_void(votes=queryset, by=request.user)
        self.message_user(request, f"Voided {count} votes; ratings will refresh.", messages.SUCCESS)

    @admin.action(description="Restore the selected votes (they count again)")
    def restore_selected(self, request, queryset):
        count = votes_restore(votes=queryset, by=request.user)
        self.message_user(
            request, f"Restored {count} votes; ratings will refresh.", messages.SUCCESS
        )

    @admin.action(description="Void every vote of the selected votes' voters")
    def void_voters(self, request, queryset):
        voters = set(queryset.values_list("voter_hash", flat=True))
        count = voter_void(voters=voters, by=request.user)
        self.message_user(
            request, f"Voided {count} votes of {len(voters)} voters; ratings will refresh.",
            messages.SUCCESS,
        )  # fmt: skip

    @admin.action(description="Void every vote sent from the selected votes' addresses")
    def void_addresses(self, request, queryset):
        ips = set(queryset.values_list("ip_hash", flat=True))
        count = voter_void(ips=ips, by=request.user)
        self.message_user(
            request, f"Voided {count} votes from {len(ips)} addresses; ratings will refresh.",
            messages.SUCCESS,
        )  # fmt: skip


@admin.register(FlaggedVote)
class FlaggedVoteAdmin(VoteAdmin):
    """The review queue: what screening held back, most suspicious first."""

    list_filter = ["pool", "outcome", "category"]
    ordering = ["-suspicion", "-created_at"]
    actions = ["void_selected", "restore_selected", "void_voters", "void_addresses"]

    def get_queryset(self, request):
        return super().get_queryset(request).flagged()

    def has_add_permission(self, request):
        return False


@admin.register(FailureTag)
class FailureTagAdmin(admin.ModelAdmin):
    list_display = ["pk", "created_at", "video_model", "kind", "vote"]
    list_filter = ["kind"]
    list_select_related = ["video_model"]
    raw_id_fields = ["vote", "generation", "video_model"]


class RatingInline(admin.TabularInline):
    model = Rating
    extra = 0
    can_delete = False
    raw_id_fields = ["video_model"]
    readonly_fields = [
        "video_model", "rating", "lower", "upper", "votes", "wins", "rank", "rank_best",
        "rank_worst", "provisional",
    ]  # fmt: skip


@admin.register(RatingFit)
class RatingFitAdmin(admin.ModelAdmin):
    list_display = ["computed_at", "pool", "category", "vote_count", "bootstrap_rounds"]
    list_filter = ["pool", "category"]
    date_hierarchy = "computed_at"
    inlines = [RatingInline]
    actions = ["refresh"]

    @admin.action(description="Refit every pool now (queued)")
    def refresh(self, request, queryset):
        ratings_refresh.delay_on_commit()
        self.message_user(request, "Rating refresh queued.", messages.SUCCESS)
