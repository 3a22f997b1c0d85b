"""The Vouchers routes: catalogue and redemption (learners), the partner's lookup and consume,
admin revocation, marketers' products; the voucher seed loader and the daily expiry job."""
