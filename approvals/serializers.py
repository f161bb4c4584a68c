from rest_framework import serializers

from interview_platform.api import StrictBooleanField, StrictCharField, StrictIntegerField


class PlanDecisionIn(serializers.Serializer):
    approved = StrictBooleanField()
    # Not a UUIDField: any value that is not the caller's own id is a 403, not a 400.
    userId = serializers.CharField(max_length=100, required=False, allow_null=True)
    feedback = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")
    regenerate = StrictBooleanField(required=False, default=False)
    # The plan version the decision is about; when given and no longer current, 409.
    planId = serializers.UUIDField(required=False, allow_null=True)

    def validate(self, attrs):
        if attrs["approved"] and attrs["regenerate"]:
            raise serializers.ValidationError({"regenerate": "Only a rejected plan can be regenerated."})
        return attrs


class PlanDecisionOut(serializers.Serializer):
    message = serializers.CharField()
    workflowState = serializers.CharField()
    interviewLink = serializers.URLField(allow_null=True)


class OverridesIn(serializers.Serializer):
    score = StrictIntegerField(min_value=0, max_value=100, required=False, allow_null=True)
    recommendation = serializers.ChoiceField(
        choices=["STRONG_HIRE", "HIRE", "LEAN_NO_HIRE", "NO_HIRE"], required=False, allow_null=True
    )


class AssessmentDecisionIn(serializers.Serializer):
    approved = StrictBooleanField()
    userId = serializers.CharField(max_length=100, required=False, allow_null=True)
    overrides = OverridesIn(required=False, allow_null=True)
    feedback = StrictCharField(max_length=5000, required=False, allow_blank=True, default="")


class AssessmentDecisionOut(serializers.Serializer):
    message = serializers.CharField()
    workflowState = serializers.CharField()
