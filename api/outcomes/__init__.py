"""Outcomes routes: the learner's NPS survey, the broker's client events, and the measures
staff read (`GET /v1/admin/outcomes/{measure}`) with their daily rollup job."""
