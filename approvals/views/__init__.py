"""The recruiter dashboard, one module per page group: the queue, interviews, plans, assessments.

Every view starts from ``request.user.organization_id``: interviews are loaded
with ``interviews.selectors.interview_for`` (another organization's interview
is a 404, exactly like a missing one) and lists are filtered by organization
before anything else. Decisions call the same services as the API.
"""
