from gongshi.cli import run

run()
