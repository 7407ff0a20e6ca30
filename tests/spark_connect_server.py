"""A real Spark Connect server on localhost for the tests (python tests/spark_connect_server.py PORT): Spark local[2]
with the Connect plugin listening on 127.0.0.1:PORT, until it is stopped. It prints 'ready' once it listens."""

import sys
import time

from pyspark.sql import SparkSession

port = sys.argv[1]
session = (SparkSession.builder.master("local[2]").appName("handshake-tests-connect")
           .config("spark.plugins", "org.apache.spark.sql.connect.SparkConnectPlugin")
           .config("spark.connect.grpc.binding.address", "127.0.0.1").config("spark.connect.grpc.binding.port", port)
           .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
           .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false").getOrCreate())
print("ready", flush=True)
while True:
    time.sleep(60)
