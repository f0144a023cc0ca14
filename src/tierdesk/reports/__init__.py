"""Reports: daily rollups, the managers' dashboard, monthly customer reports and satisfaction."""
