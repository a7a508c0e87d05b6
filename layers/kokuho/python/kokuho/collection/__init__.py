"""Collection (収納・滞納): due dates, the application of payments and the 延滞金 (domain.md §6). Pure rules."""
