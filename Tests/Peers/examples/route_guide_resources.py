"""What the grpcio route guide server and client share (route_guide_resources.py of grpc's example)."""

import json

import route_guide_pb2


def read_route_guide_database(path="route_guide_db.json"):
    """Reads the route guide database: every feature in the JSON file at `path`."""
    feature_list = []
    with open(path) as route_guide_db_file:
        for item in json.load(route_guide_db_file):
            feature = route_guide_pb2.Feature(
                name=item["name"],
                location=route_guide_pb2.Point(
                    latitude=item["location"]["latitude"],
                    longitude=item["location"]["longitude"],
                ),
            )
            feature_list.append(feature)
    return feature_list
