"""The grpcio route guide client, the shape of grpc's Python route_guide_client.py.

grpc's client visits ten random features in RecordRoute; this one visits a fixed ten (as does the
Swift route-guide-client), so every run prints the same. Needs route_guide_pb2 and
route_guide_pb2_grpc on PYTHONPATH (see README.md).
"""

import argparse
import sys

import grpc
import route_guide_pb2
import route_guide_pb2_grpc
import route_guide_resources


def make_route_note(message, latitude, longitude):
    return route_guide_pb2.RouteNote(
        message=message,
        location=route_guide_pb2.Point(latitude=latitude, longitude=longitude),
    )


def guide_get_one_feature(stub, point):
    feature = stub.GetFeature(point)
    if not feature.HasField("location"):
        print("Server returned incomplete feature")
        return

    if feature.name:
        print("Feature called %s at %s" % (feature.name, feature.location))
    else:
        print("Found no feature at %s" % feature.location)


def guide_get_feature(stub):
    guide_get_one_feature(stub, route_guide_pb2.Point(latitude=409146138, longitude=-746188906))
    guide_get_one_feature(stub, route_guide_pb2.Point(latitude=0, longitude=0))


def guide_list_features(stub):
    rectangle = route_guide_pb2.Rectangle(
        lo=route_guide_pb2.Point(latitude=400000000, longitude=-750000000),
        hi=route_guide_pb2.Point(latitude=420000000, longitude=-730000000),
    )
    print("Looking for features between 40, -75 and 42, -73")

    features = stub.ListFeatures(rectangle)

    for feature in features:
        print("Feature called %s at %s" % (feature.name, feature.location))


def generate_route(feature_list):
    """The points of ten features: every seventh of the list, wrapping around."""
    for index in range(0, 10):
        feature = feature_list[(index * 7) % len(feature_list)]
        print("Visiting point %s" % feature.location)
        yield feature.location


def guide_record_route(stub, db_path):
    feature_list = route_guide_resources.read_route_guide_database(db_path)

    route_iterator = generate_route(feature_list)
    route_summary = stub.RecordRoute(route_iterator)
    print("Finished trip with %s points " % route_summary.point_count)
    print("Passed %s features " % route_summary.feature_count)
    print("Travelled %s meters " % route_summary.distance)
    print("It took %s seconds " % route_summary.elapsed_time)


def print_line(text):
    """print(text) in one write. RouteChat prints from two threads (grpcio reads the request
    generator on a thread of its own), and print() writes the text and the newline separately, so
    the other thread's line could land in between."""
    sys.stdout.write(text + "\n")


def generate_messages():
    messages = [
        make_route_note("First message", 0, 0),
        make_route_note("Second message", 0, 1),
        make_route_note("Third message", 1, 0),
        make_route_note("Fourth message", 0, 0),
        make_route_note("Fifth message", 1, 0),
    ]
    for msg in messages:
        print_line("Sending %s at %s" % (msg.message, msg.location))
        yield msg


def guide_route_chat(stub):
    responses = stub.RouteChat(generate_messages())
    for response in responses:
        print_line("Received message %s at %s" % (response.message, response.location))


def run(target, db_path):
    with grpc.insecure_channel(target) as channel:
        stub = route_guide_pb2_grpc.RouteGuideStub(channel)
        print("-------------- GetFeature --------------")
        guide_get_feature(stub)
        print("-------------- ListFeatures --------------")
        guide_list_features(stub)
        print("-------------- RecordRoute --------------")
        guide_record_route(stub, db_path)
        print("-------------- RouteChat --------------")
        guide_route_chat(stub)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="localhost:50051")
    parser.add_argument("--db", default="route_guide_db.json")
    args = parser.parse_args()
    run(args.target, args.db)
