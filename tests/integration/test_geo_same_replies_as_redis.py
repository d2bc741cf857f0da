"""Differential tests for the GEO commands: the same scripts run against Debian's redis-server 7
(the anchor) and tern-server must get the same replies, byte for byte, errors included, in RESP2
and RESP3.

Each case starts from an empty server. A search reply is compared exactly when Redis defines
its order (ASC or DESC, or COUNT without ANY, which sorts nearest first); otherwise as a sorted
collection. A seeded random workload (the seed is printed) adds searches over clustered points,
points on the map's edges and members sharing one position.
"""
import random

import pytest

from resp_client import RespConnection

SEARCHES = {"GEOSEARCH", "GEORADIUS_RO", "GEORADIUSBYMEMBER_RO"}

SICILY = ["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania",
          "12.758489", "38.788135", "edge1", "17.241510", "38.788135", "edge2", "14.2", "37.1", "Gela",
          "15.55", "38.19", "Messina", "12.5", "37.8", "Marsala"]

CASES = {
    "geoadd: NX, XX, CH, scores and errors": [
        SICILY, ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"], SICILY,
        ["GEOADD", "Sicily", "13.361389", "38.115556", "Palermo", "1", "1", "Nowhere"],
        ["GEOADD", "Sicily", "CH", "13.4", "38.1", "Palermo", "2", "2", "Nowhere", "3", "3", "New"],
        ["GEOADD", "Sicily", "XX", "CH", "13.5", "38.2", "Palermo", "4", "4", "Absent"],
        ["GEOADD", "Sicily", "NX", "CH", "1", "1", "Palermo", "5", "5", "Fresh"], ["GEOADD", "Sicily", "ch", "nx", "1", "1", "Fresh"],
        ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"], ["GEOADD", "missing", "XX", "1", "1", "a"], ["EXISTS", "missing"],
        ["GEOADD", "Sicily", "NX", "XX", "1", "1", "a"], ["GEOADD", "Sicily", "GT", "1", "1", "a"],
        ["GEOADD", "Sicily", "INCR", "1", "1", "a"], ["GEOADD", "Sicily", "GT", "1", "a"], ["GEOADD", "Sicily", "CH", "1", "1"],
        ["GEOADD", "Sicily", "CH", "CH", "CH"], ["GEOADD", "Sicily", "1", "1"], ["GEOADD", "Sicily"],
        ["GEOADD", "Sicily", "1", "1", "a", "2"], ["GEOADD", "Sicily", "abc", "1", "a"], ["GEOADD", "Sicily", "1", "1e", "a"],
        ["GEOADD", "Sicily", "nan", "1", "a"], ["GEOADD", "Sicily", " 1", "1", "a"],
        ["GEOADD", "Sicily", "181", "0", "a"], ["GEOADD", "Sicily", "0", "85.05112879", "a"],
        ["GEOADD", "Sicily", "-180.5", "-86", "a"], ["GEOADD", "Sicily", "inf", "0", "a"],
        ["GEOADD", "Sicily", "1e300", "0", "a"], ["GEOADD", "Sicily", "1", "1", "ok", "200", "0", "bad"], ["ZSCORE", "Sicily", "ok"],
        ["GEOADD", "edges", "180", "0", "e", "-180", "0", "w", "0", "85.05112878", "n", "0", "-85.05112878", "s",
         "180", "85.05112878", "ne", "-180", "-85.05112878", "sw"],
        ["ZRANGE", "edges", "0", "-1", "WITHSCORES"], ["GEOPOS", "edges", "e", "w", "n", "s", "ne", "sw"],
        ["SET", "str", "v"], ["GEOADD", "str", "1", "1", "a"], ["GEOADD", "str", "200", "1", "a"],
        ["GEOADD", "str", "NX", "XX", "1", "1", "a"], ["GET", "str"],
    ],
    "geopos, geohash, geodist: units, missing members and odd scores": [
        SICILY, ["GEOPOS", "Sicily", "Palermo", "Catania", "nope", "edge1"], ["GEOPOS", "Sicily"],
        ["GEOPOS", "nokey", "a", "b"], ["GEOHASH", "Sicily", "Palermo", "Catania", "nope", "Messina"],
        ["GEOHASH", "nokey", "a"], ["GEOHASH", "Sicily"], ["GEODIST", "Sicily", "Palermo", "Catania"],
        ["GEODIST", "Sicily", "Palermo", "Catania", "km"], ["GEODIST", "Sicily", "Palermo", "Catania", "KM"],
        ["GEODIST", "Sicily", "Palermo", "Catania", "mi"], ["GEODIST", "Sicily", "Palermo", "Catania", "Ft"],
        ["GEODIST", "Sicily", "Palermo", "Catania", "M"], ["GEODIST", "Sicily", "Palermo", "Palermo"],
        ["GEODIST", "Sicily", "Palermo", "nope"], ["GEODIST", "Sicily", "nope", "Palermo", "km"],
        ["GEODIST", "nokey", "a", "b"], ["GEODIST", "nokey", "a", "b", "parsec"],
        ["GEODIST", "Sicily", "Palermo", "Catania", "furlong"], ["GEODIST", "Sicily", "Palermo", "Catania", "km", "x"],
        ["GEODIST", "Sicily", "Palermo"],
        ["GEOADD", "meridian", "2", "10", "north", "2", "-40", "south", "-73.9857", "40.7484", "nyc",
         "-0.1276", "51.5072", "london"],
        ["GEODIST", "meridian", "north", "south"], ["GEODIST", "meridian", "nyc", "london", "km"],
        ["GEODIST", "meridian", "nyc", "london", "ft"],
        ["ZADD", "odd", "-1", "neg", "1e20", "big", "inf", "pinf", "-inf", "ninf", "1.5", "frac", "0", "zero",
         "4503599627370495", "max52", "9007199254740992", "two53", "1e300", "huge"],
        ["GEOPOS", "odd", "neg", "big", "pinf", "ninf", "frac", "zero", "max52", "two53", "huge"],
        ["GEOHASH", "odd", "neg", "big", "pinf", "ninf", "frac", "zero", "max52", "two53", "huge"],
        ["GEODIST", "odd", "neg", "big"], ["GEODIST", "odd", "zero", "max52", "mi"],
        ["SET", "str", "v"], ["GEOPOS", "str", "a"], ["GEOHASH", "str", "a"], ["GEODIST", "str", "a", "b"],
        ["GEODIST", "str", "a", "b", "parsec"], ["SADD", "set", "a"], ["GEOPOS", "set", "a"],
    ],
    "geosearch: radius and box with every reply option": [
        SICILY,
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "DESC", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHCOORD", "WITHDIST", "WITHHASH"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHHASH", "ASC"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "124", "mi", "ASC", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "656168", "ft", "WITHDIST", "ASC"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200000", "M", "WITHDIST", "DESC"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "2"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "2", "DESC", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "100", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "2", "ANY"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "3", "ANY", "ASC", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "100", "km", "WITHDIST", "ASC"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "BYRADIUS", "0", "km", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "400", "400", "km", "ASC", "WITHCOORD", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "14", "38", "BYBOX", "400", "100", "km", "WITHDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "14", "38", "BYBOX", "100", "400", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "14", "38", "BYBOX", "400", "140", "km", "DESC"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "Gela", "BYBOX", "250", "120", "mi", "COUNT", "4", "WITHHASH"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "0", "0", "km"],
        ["GEOSEARCH", "Sicily", "frommember", "Messina", "byradius", "1", "KM", "withdist", "withcoord", "asc"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "inf", "km", "ASC"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ASC", "DESC"],
    ],
    "geosearch: every error, in Redis's order": [
        SICILY,
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "200", "37", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "-86", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "x", "37", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "parsec"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "1", "furlong"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "-1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "BYBOX", "1", "1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "1", "km", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "FROMMEMBER", "Palermo", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMMEMBER", "Palermo", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "0"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "-3"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT", "x"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "COUNT"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ANY"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "ANY", "COUNT", "0"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "-1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "-1", "parsec"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "x", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "-1", "1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "-1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "x", "1", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "x", "km"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYBOX", "1", "1"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "WITHDIST", "ASC"],
        ["geosearch", "Sicily", "FROMLONLAT", "15", "37", "WITHDIST", "ASC"],
        ["GEOSEARCH", "Sicily", "BYRADIUS", "200", "km", "ASC"], ["GeoSearch", "Sicily", "BYRADIUS", "200", "km", "ASC"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STORE", "x"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "FOO"],
        ["GEOSEARCH", "Sicily", "FROMLONLAT", "15", "37"], ["GEOSEARCH", "Sicily"],
        ["GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "nokey", "FROMLONLAT", "15", "37", "BYBOX", "1", "1", "km", "WITHDIST"],
        ["GEOSEARCH", "nokey", "FROMLONLAT", "200", "37", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "200", "km", "ANY"],
        ["GEOSEARCH", "nokey", "FROMMEMBER", "nope", "WITHDIST", "ASC"],
        ["SET", "str", "v"], ["GEOSEARCH", "str", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["GEOSEARCH", "str", "FROMLONLAT", "200", "37", "BYRADIUS", "200", "km", "COUNT", "0"],
    ],
    "geosearchstore: scores, STOREDIST, replacing and deleting the destination": [
        SICILY,
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["ZRANGE", "dst", "0", "-1", "WITHSCORES"], ["TYPE", "dst"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STOREDIST"],
        ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "124", "mi", "STOREDIST", "COUNT", "2", "DESC"],
        ["ZRANGE", "dst", "0", "-1", "WITHSCORES"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMMEMBER", "Palermo", "BYBOX", "300", "300", "km", "COUNT", "3", "ANY"],
        ["ZCARD", "dst"], ["EXPIRE", "dst", "100"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"], ["TTL", "dst"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHDIST"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "WITHCOORD", "STOREDIST"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km", "STORE", "x"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "STOREDIST", "COUNT", "1"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMMEMBER", "nope", "BYRADIUS", "200", "km"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "0", "0", "BYRADIUS", "1", "km"], ["EXISTS", "dst"],
        ["GEOSEARCHSTORE", "dst", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["GEOSEARCHSTORE", "dst", "nokey", "FROMMEMBER", "nope", "BYRADIUS", "200", "km"], ["EXISTS", "dst"],
        ["SET", "str", "v"], ["GEOSEARCHSTORE", "str", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["TYPE", "str"], ["ZRANGE", "str", "0", "-1"],
        ["SET", "str2", "v"], ["GEOSEARCHSTORE", "dst", "str2", "FROMLONLAT", "15", "37", "BYRADIUS", "200", "km"],
        ["GEOSEARCHSTORE", "Sicily", "Sicily", "FROMLONLAT", "15", "37", "BYRADIUS", "100", "km"],
        ["ZRANGE", "Sicily", "0", "-1", "WITHSCORES"],
    ],
    "georadius_ro and georadiusbymember_ro": [
        SICILY,
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "WITHDIST", "WITHCOORD", "WITHHASH", "ASC"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "COUNT", "1"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "COUNT", "2", "ANY", "DESC", "WITHDIST"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STORE", "x"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "STOREDIST", "x"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "FROMLONLAT", "1", "1"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "BYBOX", "1", "1", "km"],
        ["GEORADIUS_RO", "Sicily", "200", "37", "200", "km"], ["GEORADIUS_RO", "Sicily", "15", "37", "-5", "km"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "x", "km"], ["GEORADIUS_RO", "Sicily", "15", "37", "5", "yd"],
        ["GEORADIUS_RO", "Sicily", "15", "37", "200", "km", "ANY"], ["GEORADIUS_RO", "Sicily", "15", "37", "200"],
        ["GEORADIUS_RO", "nokey", "15", "37", "200", "km"], ["GEORADIUS_RO", "nokey", "200", "37", "200", "km"],
        ["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km"],
        ["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km", "WITHDIST", "ASC"],
        ["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km", "COUNT", "3", "WITHCOORD"],
        ["GEORADIUSBYMEMBER_RO", "Sicily", "nope", "200", "km"], ["GEORADIUSBYMEMBER_RO", "Sicily", "nope", "-1", "km"],
        ["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "-1", "km"], ["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "1", "yd"],
        ["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo", "200", "km", "STORE", "x"],
        ["GEORADIUSBYMEMBER_RO", "nokey", "nope", "200", "km"], ["GEORADIUSBYMEMBER_RO", "nokey", "nope", "-1", "yd"],
        ["GEORADIUSBYMEMBER_RO", "nokey", "nope", "200", "km", "COUNT", "0"], ["GEORADIUSBYMEMBER_RO", "Sicily", "Palermo"],
        ["SET", "str", "v"], ["GEORADIUS_RO", "str", "15", "37", "200", "km"],
        ["GEORADIUS_RO", "str", "200", "37", "200", "km"], ["GEORADIUSBYMEMBER_RO", "str", "a", "1", "km"],
    ],
    "geo edges: poles, antimeridian, huge and zero radii": [
        ["GEOADD", "world", "180", "0", "e", "-180", "0", "w", "179.9", "0.1", "e2", "-179.9", "-0.1", "w2",
         "0", "85.05112878", "n", "0", "-85.05112878", "s", "90", "84", "n2", "-90", "-84", "s2", "0", "0", "origin",
         "13.361389", "38.115556", "Palermo"],
        ["GEOSEARCH", "world", "FROMLONLAT", "180", "0", "BYRADIUS", "50", "km", "WITHDIST", "ASC"],
        ["GEOSEARCH", "world", "FROMLONLAT", "-180", "0", "BYBOX", "100", "100", "km", "WITHCOORD"],
        ["GEOSEARCH", "world", "FROMMEMBER", "e2", "BYRADIUS", "40", "km", "WITHDIST", "ASC"],
        ["GEOSEARCH", "world", "FROMLONLAT", "0", "85", "BYRADIUS", "1000", "km", "WITHDIST"],
        ["GEOSEARCH", "world", "FROMLONLAT", "45", "-84.5", "BYBOX", "3000", "300", "km", "WITHDIST"],
        ["GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "30000", "km"],
        ["GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "30000", "km", "COUNT", "3"],
        ["GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYRADIUS", "30000", "km", "COUNT", "3", "ANY"],
        ["GEOSEARCH", "world", "FROMLONLAT", "0", "0", "BYBOX", "40000", "20000", "km", "DESC"],
        ["GEOSEARCH", "world", "FROMMEMBER", "origin", "BYRADIUS", "0", "m", "WITHDIST"],
        ["GEOSEARCH", "world", "FROMMEMBER", "n", "BYRADIUS", "20000", "km", "WITHDIST", "DESC"],
        ["GEORADIUS_RO", "world", "180", "85.05112878", "5000", "km", "WITHDIST", "ASC"],
        ["GEODIST", "world", "e", "w"], ["GEODIST", "world", "n", "s", "km"], ["GEODIST", "world", "e2", "w2", "mi"],
        ["GEOHASH", "world", "e", "w", "n", "s", "e2", "w2", "origin"],
    ],
    "members at one position: COUNT keeps Redis's order among equal distances": [
        ["GEOADD", "t", "10", "10", "a", "10", "10", "b", "10", "10", "c", "10", "10", "d", "10", "10", "e",
         "10", "10", "f", "10", "10", "g", "10", "10", "h", "11", "11", "x", "9", "9", "y"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "500", "km", "ASC"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "500", "km", "DESC"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "500", "km", "COUNT", "3"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "500", "km", "COUNT", "5", "DESC"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "500", "km", "COUNT", "9", "WITHDIST"],
        ["GEOSEARCH", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "500", "km", "COUNT", "4", "ANY", "DESC"],
        ["GEOSEARCHSTORE", "d", "t", "FROMLONLAT", "10", "10", "BYRADIUS", "500", "km", "COUNT", "2", "STOREDIST"],
        ["ZRANGE", "d", "0", "-1", "WITHSCORES"],
    ],
}


def order_is_defined(command):
    """Redis sorts a search's results for ASC/DESC, and for COUNT unless ANY is given."""
    words = {str(a).upper() for a in command[1:]}
    return bool(words & {"ASC", "DESC"}) or ("COUNT" in words and "ANY" not in words)


def normalize(command, reply):
    kind, payload = reply
    if command[0].upper() in SEARCHES and kind == "*" and not order_is_defined(command):
        return (kind, sorted(payload))
    return reply


def run_script(port, script, protocol):
    conn = RespConnection(port)
    try:
        conn.command("FLUSHALL")
        if protocol == 3:
            conn.command("HELLO", "3")
        return [normalize(cmd, conn.command(*cmd)) for cmd in script]
    finally:
        conn.close()


def differences(script, expected, got):
    return [f"{cmd}: redis={e!r} tern={g!r}" for cmd, e, g in zip(script, expected, got) if e != g]


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("case", sorted(CASES))
def test_geo_replies_match_redis(case, protocol, tern, anchor):
    script = CASES[case]
    expected = run_script(anchor.port, script, protocol)
    got = run_script(tern.port, script, protocol)
    found = differences(script, expected, got)
    assert not found, "\n".join(found)


def random_workload(seed, members=300, searches=250):
    """GEOADD of clustered points, map-edge points and repeated positions, then searches."""
    rng = random.Random(seed)

    def longitude():
        return rng.choice([180.0, -180.0, 179.9999, -179.9999]) if rng.random() < 0.08 else rng.uniform(-180, 180)

    def latitude():
        roll = rng.random()
        if roll < 0.08:
            return rng.choice([85.05112878, -85.05112878, 0.0])
        if roll < 0.3:
            return rng.uniform(60, 85.05112878) * rng.choice([1, -1])
        return rng.uniform(-85.05112878, 85.05112878)

    centers = [(longitude(), latitude()) for _ in range(5)]
    positions = []
    for _ in range(members):
        if positions and rng.random() < 0.2:
            positions.append(rng.choice(positions))  # same position, equal distances
        elif rng.random() < 0.5:
            x, y = rng.choice(centers)
            positions.append((min(180.0, max(-180.0, x + rng.gauss(0, 1.5))),
                              min(85.05112878, max(-85.05112878, y + rng.gauss(0, 1.5)))))
        else:
            positions.append((longitude(), latitude()))
    script = [["GEOADD", "g"] + [v for i, (x, y) in enumerate(positions) for v in (repr(x), repr(y), f"m{i}")]]
    for _ in range(searches):
        unit = rng.choice(["m", "km", "mi", "ft"])
        size = 10 ** rng.uniform(-1, 4.3) * (1000 if unit == "m" else 1)
        origin = (["FROMLONLAT", f"{longitude():.5f}", f"{min(85.05, max(-85.05, latitude())):.5f}"]
                  if rng.random() < 0.5 else ["FROMMEMBER", f"m{rng.randrange(members)}"])
        shape = (["BYRADIUS", f"{size:.3f}", unit] if rng.random() < 0.5
                 else ["BYBOX", f"{size:.3f}", f"{size * rng.uniform(0.2, 5):.3f}", unit])
        options = [o for o in ("WITHDIST", "WITHCOORD", "WITHHASH") if rng.random() < 0.4]
        roll = rng.random()
        options += ["ASC"] if roll < 0.3 else ["DESC"] if roll < 0.5 else []
        if rng.random() < 0.35:
            options += ["COUNT", str(rng.randint(1, 60))] + (["ANY"] if rng.random() < 0.3 else [])
        script.append(["GEOSEARCH", "g"] + origin + shape + options)
        if rng.random() < 0.15:
            stored = [o for o in options if not o.startswith("WITH")] + (["STOREDIST"] if rng.random() < 0.5 else [])
            script.append(["GEOSEARCHSTORE", "dst", "g"] + origin + shape + stored)
            script.append(["ZRANGE", "dst", "0", "-1", "WITHSCORES"])
    for i in range(0, members, 9):
        script.append(["GEOPOS", "g", f"m{i}", f"m{i + 1}"])
        script.append(["GEOHASH", "g", f"m{i}"])
        script.append(["GEODIST", "g", f"m{i}", f"m{(i * 7) % members}", rng.choice(["m", "km", "mi", "ft"])])
    return script


@pytest.mark.parametrize("protocol", [2, 3])
def test_random_geo_workload_matches_redis(protocol, tern, anchor):
    seed = random.randrange(1 << 32)
    print(f"random geo workload seed {seed}")
    script = random_workload(seed)
    expected = run_script(anchor.port, script, protocol)
    got = run_script(tern.port, script, protocol)
    found = differences(script, expected, got)
    assert not found, f"seed {seed}:\n" + "\n".join(found[:5])
