"""Problems, major incidents, root-cause reports and changes in maintenance windows."""
