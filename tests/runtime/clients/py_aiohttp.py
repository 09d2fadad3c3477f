"""Item 3 of issue 12: aiohttp, whose connections no hook sees: a session closed properly and
responses never released (their connections stay checked out until the session closes).

usage: py_aiohttp.py URL COUNT
"""
import asyncio
import sys

import aiohttp

url, count = sys.argv[1], int(sys.argv[2])


async def main():
    async with aiohttp.ClientSession() as session:  # correct
        kept = [await session.get(url) for _ in range(count)]  # leak: responses never released
        await asyncio.sleep(0.1)
        return len(kept)


asyncio.run(main())
