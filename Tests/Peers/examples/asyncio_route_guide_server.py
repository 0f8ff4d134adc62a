"""The grpcio asyncio route guide server, the shape of grpc's Python asyncio_route_guide_server.py.

The same service as route_guide_server.py, on a grpc.aio server with async handlers. Binds
[::]:PORT (0 = any free port), prints `Server started, listening on <port>` and serves the
features of --db until killed. Needs route_guide_pb2 and route_guide_pb2_grpc on PYTHONPATH (see
README.md).
"""

import argparse
import asyncio
import time

import grpc
import route_guide_pb2
import route_guide_pb2_grpc
import route_guide_resources
from route_guide_server import get_distance, get_feature


class RouteGuideServicer(route_guide_pb2_grpc.RouteGuideServicer):
    """Serves the route guide from the features of the database, with async handlers."""

    def __init__(self, db_path):
        self.db = route_guide_resources.read_route_guide_database(db_path)

    async def GetFeature(self, request, context):
        feature = get_feature(self.db, request)
        if feature is None:
            return route_guide_pb2.Feature(name="", location=request)
        return feature

    async def ListFeatures(self, request, context):
        left = min(request.lo.longitude, request.hi.longitude)
        right = max(request.lo.longitude, request.hi.longitude)
        top = max(request.lo.latitude, request.hi.latitude)
        bottom = min(request.lo.latitude, request.hi.latitude)
        for feature in self.db:
            location = feature.location
            if left <= location.longitude <= right and bottom <= location.latitude <= top:
                yield feature

    async def RecordRoute(self, request_iterator, context):
        point_count = 0
        feature_count = 0
        distance = 0.0
        prev_point = None

        start_time = time.time()
        async for point in request_iterator:
            point_count += 1
            if get_feature(self.db, point):
                feature_count += 1
            if prev_point:
                distance += get_distance(prev_point, point)
            prev_point = point

        elapsed_time = time.time() - start_time
        return route_guide_pb2.RouteSummary(
            point_count=point_count,
            feature_count=feature_count,
            distance=int(distance),
            elapsed_time=int(elapsed_time),
        )

    async def RouteChat(self, request_iterator, context):
        prev_notes = []
        async for new_note in request_iterator:
            for prev_note in prev_notes:
                if prev_note.location == new_note.location:
                    yield prev_note
            prev_notes.append(new_note)


async def serve(port, db_path):
    server = grpc.aio.server()
    route_guide_pb2_grpc.add_RouteGuideServicer_to_server(RouteGuideServicer(db_path), server)
    bound = server.add_insecure_port(f"[::]:{port}")
    await server.start()
    print(f"Server started, listening on {bound}", flush=True)
    await server.wait_for_termination()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=50051)
    parser.add_argument("--db", default="route_guide_db.json")
    args = parser.parse_args()
    asyncio.run(serve(args.port, args.db))
