"""Home: the state of the customer base at a glance."""

import streamlit as st

st.title("Customer 360")
