"""The Outcomes routes: the NPS survey, the broker's client events, and the measures staff
read (`GET /v1/admin/outcomes/{measure}`), with the daily rollup job and its rebuild command."""
