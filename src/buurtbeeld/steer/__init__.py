"""Steering: what a gemeente does with the figures (issue 16).

Between the web layer and the platform/analysis layers: the web app calls in here, this package
uses the platform database, the cube and disclosure control.
"""
