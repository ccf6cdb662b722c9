"""Health score, churn risk and purchase predictions (BG/NBD + Gamma-Gamma), and their back-test."""
