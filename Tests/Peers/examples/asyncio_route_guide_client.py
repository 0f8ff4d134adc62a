"""The grpcio asyncio route guide client, the shape of grpc's Python asyncio_route_guide_client.py.

Prints what route_guide_client.py prints, on a grpc.aio channel: the same fixed ten features in
RecordRoute. Needs route_guide_pb2 and route_guide_pb2_grpc on PYTHONPATH (see README.md).
"""

import argparse
import asyncio

import grpc
import route_guide_pb2
import route_guide_pb2_grpc
import route_guide_resources
from route_guide_client import generate_messages, generate_route


async def guide_get_one_feature(stub, point):
    feature = await stub.GetFeature(point)
    if not feature.HasField("location"):
        print("Server returned incomplete feature")
        return

    if feature.name:
        print("Feature called %s at %s" % (feature.name, feature.location))
    else:
        print("Found no feature at %s" % feature.location)


async def guide_get_feature(stub):
    await guide_get_one_feature(stub, route_guide_pb2.Point(latitude=409146138, longitude=-746188906))
    await guide_get_one_feature(stub, route_guide_pb2.Point(latitude=0, longitude=0))


async def guide_list_features(stub):
    rectangle = route_guide_pb2.Rectangle(
        lo=route_guide_pb2.Point(latitude=400000000, longitude=-750000000),
        hi=route_guide_pb2.Point(latitude=420000000, longitude=-730000000),
    )
    print("Looking for features between 40, -75 and 42, -73")

    async for feature in stub.ListFeatures(rectangle):
        print("Feature called %s at %s" % (feature.name, feature.location))


async def guide_record_route(stub, db_path):
    feature_list = route_guide_resources.read_route_guide_database(db_path)

    # grpc.aio takes both iterators and async iterators of requests.
    route_summary = await stub.RecordRoute(generate_route(feature_list))
    print("Finished trip with %s points " % route_summary.point_count)
    print("Passed %s features " % route_summary.feature_count)
    print("Travelled %s meters " % route_summary.distance)
    print("It took %s seconds " % route_summary.elapsed_time)


async def guide_route_chat(stub):
    call = stub.RouteChat(generate_messages())
    async for response in call:
        print("Received message %s at %s" % (response.message, response.location))


async def run(target, db_path):
    async with grpc.aio.insecure_channel(target) as channel:
        stub = route_guide_pb2_grpc.RouteGuideStub(channel)
        print("-------------- GetFeature --------------")
        await guide_get_feature(stub)
        print("-------------- ListFeatures --------------")
        await guide_list_features(stub)
        print("-------------- RecordRoute --------------")
        await guide_record_route(stub, db_path)
        print("-------------- RouteChat --------------")
        await guide_route_chat(stub)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--target", default="localhost:50051")
    parser.add_argument("--db", default="route_guide_db.json")
    args = parser.parse_args()
    asyncio.run(run(args.target, args.db))
