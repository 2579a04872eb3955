"""Mail as data: parsing raw messages, telling noise from requests, finding the reply.
Pure functions over bytes and strings: no server, no database, no bus."""
