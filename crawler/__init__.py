"""Dozor's fetching stage: a Scrapy project that turns sources into Article records."""
