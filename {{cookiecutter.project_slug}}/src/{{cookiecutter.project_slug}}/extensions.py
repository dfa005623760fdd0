"""Flask extensions, created unbound here and bound to the app in create_app()."""

from typing import TYPE_CHECKING

from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy.orm import DeclarativeBase


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)

# The models' base class. Flask-SQLAlchemy builds db.Model out of Base at run time (adding
# table names and the query property); a type checker cannot see a class made at run time,
# so it is told the class that one is built from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
csrf = CSRFProtect()
