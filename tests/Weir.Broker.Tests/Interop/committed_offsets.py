"""Prints a group's committed offsets for partitions 0..N-1 of a topic as JSON, read with kafka-python.
Usage: committed_offsets.py BOOTSTRAP GROUP TOPIC PARTITIONS"""
import json
import sys

from kafka import KafkaConsumer, TopicPartition

BOOTSTRAP, GROUP, TOPIC, PARTITIONS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
consumer = KafkaConsumer(bootstrap_servers=BOOTSTRAP, group_id=GROUP, enable_auto_commit=False)
offsets = [consumer.committed(TopicPartition(TOPIC, p)) for p in range(PARTITIONS)]
consumer.close()
print(json.dumps(offsets))
