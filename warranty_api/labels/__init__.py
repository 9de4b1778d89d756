"""Scan to register: QR codes and GS1 Digital Links, scan counts, label-sheet jobs, the registration funnel."""
